// 2.6.0: `find` is only reformatted and commented (the same site), `count`
// moved above `last` (the same site), and `last` reads one byte past the end
// (a changed site: the one the audit no longer covers).

pub fn find(hay: &[u8], needle: u8) -> Option<usize> {
    let p = hay.as_ptr();
    for i in 0..hay.len() {
        // Bounds: i < hay.len().
        if unsafe { *p.add(i) } == needle { return Some(i); }
    }
    None
}

pub fn count(hay: &[u8], needle: u8) -> usize {
    (0..hay.len()).filter(|&i| unsafe { *hay.get_unchecked(i) } == needle).count()
}

pub fn last(hay: &[u8]) -> Option<u8> {
    if hay.is_empty() {
        return None;
    }
    Some(unsafe { *hay.as_ptr().add(hay.len()) })
}

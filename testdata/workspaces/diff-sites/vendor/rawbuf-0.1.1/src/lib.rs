// 0.1.1 edits the body of `first` (a changed site) and only reformats
// `second` (the same site).
pub fn first(b: &[u8]) -> u8 {
    newdep::touch();
    unsafe { *b.as_ptr().offset(0) }
}

pub fn second(b: &[u8]) -> u8 {
    unsafe {
        *b.as_ptr().add(1)
    }
}

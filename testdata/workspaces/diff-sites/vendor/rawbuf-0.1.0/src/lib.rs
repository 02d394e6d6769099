pub fn first(b: &[u8]) -> u8 {
    unsafe { *b.as_ptr() }
}

pub fn second(b: &[u8]) -> u8 {
    unsafe { *b.as_ptr().add(1) }
}

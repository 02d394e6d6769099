pub fn peek(b: &[u8]) -> u8 {
    unsafe { *b.as_ptr() }
}

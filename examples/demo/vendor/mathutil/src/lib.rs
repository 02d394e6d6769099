//! Pure arithmetic: needs no capability at all.
pub fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |acc, b| acc.rotate_left(5) ^ u32::from(*b))
}

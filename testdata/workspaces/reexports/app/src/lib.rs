pub fn run() -> std::io::Result<()> {
    middle::store("out", b"")?;
    middle::low::save("out", b"")
}

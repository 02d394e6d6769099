use std::io::Write;
use std::net::TcpStream;

fn main() -> std::io::Result<()> {
    let config = std::fs::read_to_string("app.toml")?;
    let mut conn = TcpStream::connect("127.0.0.1:8080")?;
    conn.write_all(config.as_bytes())?;
    // Writing the cache file needs `fs`, which app does not declare.
    std::fs::write("cache.bin", mathutil::checksum(config.as_bytes()).to_le_bytes())?;
    logutil::log("sent");
    Ok(())
}

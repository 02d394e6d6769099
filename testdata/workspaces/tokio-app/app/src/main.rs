use tokio::net::TcpStream;

// fs is not declared: this write is an undeclared-capability violation.
fn save(data: &[u8]) -> std::io::Result<()> {
    std::fs::write("out.txt", data)
}

async fn fetch() -> std::io::Result<()> {
    let _stream = TcpStream::connect("127.0.0.1:8080").await?;
    Ok(())
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(fetch()).ok();
    save(b"x").ok();
    println!("{}", netlib::describe());
    featlib::touch();
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn runs() {}
}

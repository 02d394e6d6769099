pub fn greet() -> String {
    format!("hello {}", bar::answer())
}

// 0.2.0 gains `process`: the xz-style change the diff command must flag.
pub fn greet() -> String {
    let out = std::process::Command::new("uname").output();
    format!("hello {} {:?}", bar::answer(), out.map(|o| o.status))
}

// 1.1.0 already had `process`; it adds a second Command::new in a new
// function: the capability set is the same, a new site is not.
pub fn start() {
    let _ = std::process::Command::new("true").status();
    phone_home();
}

fn phone_home() {
    let _ = std::process::Command::new("curl").arg("https://example.invalid").status();
}

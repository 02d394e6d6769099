//! A logging helper that, in this "patch release", also phones home — the xz
//! story in miniature.
use std::fs::OpenOptions;
use std::io::Write;
use std::process::Command;

pub fn log(message: &str) {
    if let Ok(mut f) = OpenOptions::new().append(true).create(true).open("app.log") {
        let _ = writeln!(f, "{message}");
    }
    let _ = Command::new("curl").arg("https://example.invalid/beacon").status();
}

pub fn run() -> String {
    format!("{} {}", foo::greet(), bar::answer())
}

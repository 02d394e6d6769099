pub fn run() -> u8 {
    spawner::start();
    rawbuf::first(&[1])
}

pub fn touch() {
    #[cfg(feature = "disk")]
    {
        let _ = tempfile::tempfile();
    }
}

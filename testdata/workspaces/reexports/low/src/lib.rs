pub use std::fs::write as save;

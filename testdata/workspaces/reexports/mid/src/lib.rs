pub use low_level::save as store;
pub use low_level as low;

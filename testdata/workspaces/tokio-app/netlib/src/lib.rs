pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

pub fn describe() -> String {
    json::json!({ "client": "reqwest" }).to_string()
}

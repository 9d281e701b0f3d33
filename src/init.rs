pub const STARTER: &str = "";

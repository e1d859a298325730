//! wstrust

pub mod crypto;

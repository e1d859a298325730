//! The token engine: proof keys, requester authentication and sealed security context state.
pub mod keys;
pub mod sealed;
pub mod users;

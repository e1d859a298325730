//! wstrust

//! The HA Playground web app (Yew). It renders the engine's state and dispatches user actions;
//! every protocol decision lives in the `engine` crate.

pub mod app;
pub mod components;
pub mod geometry;
pub mod i18n;
pub mod pages;
pub mod player;
pub mod view;
pub mod web;

//! What tests steer and read, one file per room: `impl FakeZoho` blocks over the shared
//! state, so each room's controls sit beside each other and `server.rs` keeps the transport.

mod books;
mod budget;
mod bulk;
mod clock;
mod crm;
mod faults;
mod oauth;
mod sandbox;

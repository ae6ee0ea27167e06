//! Local stand-ins for the cloud, used by the tests and the demo and never shipped in a Lambda:
//! a moto server for SQS and SSM on loopback, and builders that turn plain data into the events
//! API Gateway and the SQS event source mapping hand to the functions.

pub mod apigw;
pub mod logs;
pub mod moto;
pub mod notices;
pub mod sqs;

pub use moto::Moto;

//! Local stand-ins for the cloud, used by the tests and the demo and never shipped in a Lambda:
//! a moto server for SQS and SSM on loopback, builders that turn plain data into the events
//! API Gateway and the SQS event source mapping hand to the functions, and the function binaries
//! run as Lambda runs them (a Runtime API, and an Invoke API whose versions are real binaries).

pub mod apigw;
pub mod lambda;
pub mod logs;
pub mod moto;
pub mod notices;
pub mod sqs;

pub use moto::Moto;

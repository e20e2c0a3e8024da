//! [`HasData`] and [`HasSelf`]: how generated bindings (and other
//! `add_to_linker` functions) name the borrow of a store's data that host
//! functions receive.

use std::marker::PhantomData;

/// Names the type that host functions of an `add_to_linker` function work
/// on, borrowed from the store's data for `'a` (through the `host_getter`
/// function passed alongside). Implement it on an uninhabited marker type
/// when the data is a projection of the store's data (for instance a
/// `WasiCtxView<'a>`), or use [`HasSelf`] when it is `&mut T` itself.
pub trait HasData: 'static {
    /// The borrowed data.
    type Data<'a>;
}

/// [`HasData`] for host functions that work on `&mut T`.
pub struct HasSelf<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized + 'static> HasData for HasSelf<T> {
    type Data<'a> = &'a mut T;
}

//! The arena in which an instance allocates the exception objects its code
//! throws (laid out as `wasmtime_environ::vm_exn_object` describes).

use wasmtime_environ::vm_exn_object;

/// Exception objects allocated by one instance.
#[derive(Default)]
pub struct ExnArena {
    objects: Vec<Box<[u64]>>,
    free: Vec<u32>,
}

impl ExnArena {
    /// Allocates an object for `len` values of tag `tag`, owned by `owner`
    /// (the allocating instance, recorded opaquely in the object's header
    /// so that the object can be recycled into this arena).
    pub fn alloc(&mut self, owner: *mut u8, tag: usize, len: usize) -> usize {
        let words = (vm_exn_object::VALUES as usize + len * vm_exn_object::VALUE_SIZE as usize) / 8;
        let slot = match self
            .free
            .iter()
            .position(|s| self.objects[*s as usize].len() >= words)
        {
            Some(i) => self.free.swap_remove(i),
            None => {
                self.objects.push(vec![0u64; words].into_boxed_slice());
                (self.objects.len() - 1) as u32
            }
        };
        let obj = &mut self.objects[slot as usize];
        let base = obj.as_mut_ptr() as usize;
        // SAFETY: the object has room for the header.
        unsafe {
            *((base + vm_exn_object::TAG as usize) as *mut usize) = tag;
            *((base + vm_exn_object::LEN as usize) as *mut u32) = len as u32;
            *((base + vm_exn_object::EXPOSED as usize) as *mut u32) = 0;
            *((base + vm_exn_object::OWNER as usize) as *mut *mut u8) = owner;
            *((base + vm_exn_object::SLOT as usize) as *mut u32) = slot;
        }
        base
    }

    /// Calls `visit` with the first word of every value of every object
    /// in use (GC roots, conservatively: the collector only follows words
    /// that are valid references, and never moves objects).
    pub fn visit_words(&self, visit: &mut dyn FnMut(u64)) {
        for (slot, obj) in self.objects.iter().enumerate() {
            if self.free.contains(&(slot as u32)) {
                continue;
            }
            let len = obj
                .get(vm_exn_object::LEN as usize / 8)
                .map_or(0, |w| *w as u32 as usize);
            let first = vm_exn_object::VALUES as usize / 8;
            let step = vm_exn_object::VALUE_SIZE as usize / 8;
            for i in 0..len {
                if let Some(w) = obj.get(first + i * step) {
                    visit(*w);
                }
            }
        }
    }

    /// Makes `slot` reusable.
    pub fn free(&mut self, slot: u32) {
        self.free.push(slot);
    }
}

//! Large zeroed buffers that ask the kernel for transparent huge pages.
//!
//! Suffix-array construction touches the text and the array at random places,
//! so with 4 KiB pages nearly every access to a part of 100M tokens also
//! misses the TLB. Backing the two buffers with 2 MiB pages (granted on Linux
//! when transparent huge pages are enabled, also in the common `madvise`
//! mode) cuts libsais' CPU time by about a quarter on such a part. The advice
//! changes no content and no more memory is used than the rounding of the
//! buffer to whole 2 MiB pages.

/// Buffers below this size gain nothing from huge pages.
const MIN_BYTES: usize = 4 << 20;

/// The unit of `populated_zeroed_vec`'s parallel first touch: one huge page.
const HUGE_PAGE: usize = 2 << 20;

/// A vector of `len` zeroed elements whose pages the kernel is asked to back
/// with huge pages before anything is written to them.
pub fn zeroed_vec<T: bytemuck::Zeroable>(len: usize) -> Vec<T> {
    // `alloc_zeroed` hands out fresh, untouched pages for buffers this large,
    // so the advice comes before the first page fault, which is when the
    // kernel chooses the page size.
    let v: Vec<T> = bytemuck::zeroed_vec(len);
    let bytes = std::mem::size_of_val(v.as_slice());
    if bytes >= MIN_BYTES {
        advise(v.as_ptr().cast(), bytes);
    }
    v
}

/// Like [`zeroed_vec`], but every page is faulted in on the rayon pool
/// before the buffer is returned.
///
/// The first touch of fresh memory is dear: the kernel zeroes the page, and
/// in a virtual machine the host may have to back it too (measured here: a
/// few hundred MB/s per core on a cold host, over 10 GB/s on a warm one).
/// libsais first touches its output in single-threaded passes, so for a
/// buffer it is about to fill, faulting the pages in on every core first
/// takes that cost off the sequential critical path. The content stays zero.
pub fn populated_zeroed_vec<T: bytemuck::Pod + Send>(len: usize) -> Vec<T> {
    use rayon::prelude::*;
    let mut v: Vec<T> = zeroed_vec(len);
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(v.as_mut_slice());
    if bytes.len() >= MIN_BYTES {
        bytes.par_chunks_mut(HUGE_PAGE).for_each(|chunk| {
            // One write per 4 KiB page faults it in (all of a huge page on the
            // first); volatile, because writing the zero that is already there
            // would otherwise be optimised away.
            for i in (0..chunk.len()).step_by(4096) {
                // SAFETY: `i` is within `chunk`.
                unsafe { std::ptr::write_volatile(chunk.as_mut_ptr().add(i), 0) };
            }
        });
    }
    v
}

#[cfg(target_os = "linux")]
fn advise(start: *const u8, bytes: usize) {
    // SAFETY: sysconf has no preconditions.
    let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    let first = (start as usize).div_ceil(page) * page;
    let end = (start as usize + bytes) / page * page;
    if end > first {
        // SAFETY: the range lies inside an allocation we own, and
        // MADV_HUGEPAGE only changes how it is backed, never its content.
        // A kernel without huge pages answers EINVAL, which is fine to ignore.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_start: *const u8, _bytes: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_zeroed_and_writable() {
        for (len, populate) in [0usize, 3, MIN_BYTES / 4 + 1, HUGE_PAGE + 5]
            .into_iter()
            .flat_map(|n| [(n, false), (n, true)])
        {
            let mut v: Vec<u32> = if populate {
                populated_zeroed_vec(len)
            } else {
                zeroed_vec(len)
            };
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|&x| x == 0));
            if let Some(last) = v.last_mut() {
                *last = 7;
            }
            assert_eq!(
                v.iter().map(|&x| u64::from(x)).sum::<u64>(),
                if len > 0 { 7 } else { 0 }
            );
        }
    }
}

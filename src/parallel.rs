//! Work on the items of a large file spread over the machine's cores, results kept in order.
//!
//! Parsing and the per-segment lints are independent for each item, so on two cores each takes
//! about half the time on a large file. Small files stay on the calling thread, where starting
//! threads would cost more than it saves.

/// How many threads share the work: the machine's cores, at most 8.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// `work` applied to every item, in the items' order. With at least `from` items (and more than
/// one core) the items are split into one run per core, each on a thread named `name` with a
/// stack of `stack` bytes; a run whose thread cannot start is done on the calling thread.
pub(crate) fn map_in_order<T, R>(
    items: &[T],
    from: usize,
    name: &str,
    stack: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let workers = workers();
    if workers < 2 || items.len() < from.max(2) {
        return items.iter().map(&work).collect();
    }
    let size = items.len().div_ceil(workers);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(size)
            .map(|part| {
                std::thread::Builder::new()
                    .name(name.into())
                    .stack_size(stack)
                    .spawn_scoped(scope, move || part.iter().map(work).collect::<Vec<_>>())
            })
            .collect();
        let mut done = Vec::with_capacity(items.len());
        for (handle, part) in handles.into_iter().zip(items.chunks(size)) {
            match handle {
                Ok(handle) => match handle.join() {
                    Ok(results) => done.extend(results),
                    // The work panicked: let the panic go on, as it would have on this thread.
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                Err(_) => done.extend(part.iter().map(work)),
            }
        }
        done
    })
}

#[cfg(test)]
mod tests {
    use super::map_in_order;

    #[test]
    fn keeps_the_order_of_the_items() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = map_in_order(&items, 10, "test", 1 << 20, |n| n * 2);
        assert_eq!(doubled, (0..1000).map(|n| n * 2).collect::<Vec<_>>());
    }

    #[test]
    fn small_inputs_stay_on_this_thread() {
        let here = std::thread::current().id();
        let items = [1, 2, 3];
        let threads = map_in_order(&items, 10, "test", 1 << 20, |_| std::thread::current().id());
        assert!(threads.iter().all(|t| *t == here));
    }
}

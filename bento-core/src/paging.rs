//! Walking paged lists (broadcasts, sequences, workflows) until an empty page.

use crate::model::Resource;

/// Upper bound on pages walked, in case a server ignores `page` and repeats itself forever
/// with different ids.
pub const MAX_PAGES: u32 = 10_000;

/// Decides, page after page, whether to ask for the next one: stop at an empty page or at a
/// page with no id seen before (a server that ignores `page`, or alternates pages); an error
/// after [`MAX_PAGES`] (a server that never ends: the list would be cut silently) or when the
/// configured deadline has passed over the whole walk.
#[derive(Debug, Default)]
pub struct PageWalker {
    page: u32,
    seen: std::collections::HashSet<String>,
}

impl PageWalker {
    /// Starts before page 1.
    pub fn new() -> Self {
        PageWalker::default()
    }

    /// The next page to request at the monotonic time `now` of a walk that started at
    /// `started`, or why the walk must end with an error.
    pub fn next_page(
        &self,
        config: &crate::config::Config,
        started: std::time::Duration,
        now: std::time::Duration,
    ) -> Result<u32, crate::error::Error> {
        if self.page >= MAX_PAGES {
            return Err(crate::error::Error::Decode {
                status: 200,
                message: format!(
                    "the server kept sending new pages; stopped after {MAX_PAGES} rather than return a cut list"
                ),
                request_id: None,
            });
        }
        if let Some(deadline) = config.deadline()
            && now.saturating_sub(started) >= deadline
        {
            return Err(crate::error::Error::Transport {
                kind: crate::error::TransportErrorKind::Deadline,
                message: format!(
                    "the deadline of {} ms passed after {} pages",
                    crate::config::millis(deadline),
                    self.page
                ),
            });
        }
        Ok(self.page + 1)
    }

    /// Feeds the page just received; returns the items to keep (those with ids not seen
    /// before) and whether to continue.
    pub fn accept<A>(&mut self, items: Vec<Resource<A>>) -> (Vec<Resource<A>>, bool) {
        self.page += 1;
        let kept: Vec<Resource<A>> = items
            .into_iter()
            .filter(|r| self.seen.insert(r.id.clone()))
            .collect();
        let more = !kept.is_empty();
        (kept, more)
    }
}

/// A list operation with a `page` parameter, so the clients can walk all pages of it.
pub trait Paged: crate::operation::Operation<Output = Vec<Resource<Self::Attributes>>> {
    /// The attributes of one item.
    type Attributes;
    /// The same query for another page.
    fn with_page(&self, page: u32) -> Self;
}

impl Paged for crate::broadcasts::GetBroadcasts {
    type Attributes = crate::broadcasts::BroadcastAttributes;
    fn with_page(&self, page: u32) -> Self {
        Self {
            page: Some(page),
            ..*self
        }
    }
}

impl Paged for crate::sequences::GetSequences {
    type Attributes = crate::sequences::SequenceAttributes;
    fn with_page(&self, page: u32) -> Self {
        Self { page: Some(page) }
    }
}

impl Paged for crate::workflows::GetWorkflows {
    type Attributes = crate::workflows::WorkflowAttributes;
    fn with_page(&self, page: u32) -> Self {
        Self { page: Some(page) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(ids: &[&str]) -> Vec<Resource<()>> {
        ids.iter()
            .map(|id| Resource {
                id: id.to_string(),
                kind: String::new(),
                attributes: (),
            })
            .collect()
    }

    fn config() -> crate::config::Config {
        crate::config::ConfigBuilder::new()
            .publishable_key("pk")
            .secret_key("sk")
            .site_uuid("s")
            .deadline(std::time::Duration::from_secs(10))
            .build()
            .unwrap()
    }

    const T0: std::time::Duration = std::time::Duration::ZERO;

    #[test]
    fn stops_at_an_empty_page() {
        let mut w = PageWalker::new();
        assert_eq!(w.next_page(&config(), T0, T0).unwrap(), 1);
        assert!(w.accept(page(&["1", "2"])).1);
        assert_eq!(w.next_page(&config(), T0, T0).unwrap(), 2);
        let (kept, more) = w.accept(page(&[]));
        assert!(kept.is_empty() && !more);
    }

    #[test]
    fn stops_when_the_server_repeats_or_alternates_pages() {
        let mut w = PageWalker::new();
        assert!(w.accept(page(&["1"])).1);
        let (kept, more) = w.accept(page(&["1"]));
        assert!(kept.is_empty() && !more);
        let mut w = PageWalker::new();
        assert!(w.accept(page(&["a", "b"])).1);
        assert!(w.accept(page(&["c", "d"])).1);
        let (kept, more) = w.accept(page(&["a", "b"]));
        assert!(kept.is_empty() && !more);
    }

    #[test]
    fn an_endless_walk_is_an_error_not_a_cut_list() {
        let mut w = PageWalker::new();
        for i in 0..MAX_PAGES {
            assert!(w.accept(page(&[&i.to_string()])).1);
        }
        assert!(matches!(
            w.next_page(&config(), T0, T0),
            Err(crate::error::Error::Decode { .. })
        ));
        let w = PageWalker::new();
        assert!(matches!(
            w.next_page(&config(), T0, std::time::Duration::from_secs(10)),
            Err(crate::error::Error::Transport { .. })
        ));
    }
}

//! Walking paged lists (broadcasts, sequences, workflows) until an empty page.

use crate::model::Resource;

/// Upper bound on pages walked, in case a server ignores `page` and repeats itself forever
/// with different ids.
pub const MAX_PAGES: u32 = 10_000;

/// Decides, page after page, whether to ask for the next one: stop at an empty page, at a page
/// identical to the previous one (a server that ignores `page`), or after [`MAX_PAGES`].
#[derive(Debug, Default)]
pub struct PageWalker {
    page: u32,
    last_ids: Vec<String>,
}

impl PageWalker {
    /// Starts before page 1.
    pub fn new() -> Self {
        PageWalker::default()
    }

    /// The next page to request, or `None` when done.
    pub fn next_page(&self) -> Option<u32> {
        (self.page < MAX_PAGES).then_some(self.page + 1)
    }

    /// Feeds the page just received; returns the items to keep (none when the page is empty
    /// or repeats the previous one) and whether to continue.
    pub fn accept<A>(&mut self, items: Vec<Resource<A>>) -> (Vec<Resource<A>>, bool) {
        self.page += 1;
        let ids: Vec<String> = items.iter().map(|r| r.id.clone()).collect();
        if items.is_empty() || ids == self.last_ids {
            return (Vec::new(), false);
        }
        self.last_ids = ids;
        (items, self.page < MAX_PAGES)
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

    #[test]
    fn stops_at_an_empty_page() {
        let mut w = PageWalker::new();
        assert_eq!(w.next_page(), Some(1));
        assert!(w.accept(page(&["1", "2"])).1);
        assert_eq!(w.next_page(), Some(2));
        let (kept, more) = w.accept(page(&[]));
        assert!(kept.is_empty() && !more);
    }

    #[test]
    fn stops_when_the_server_repeats_a_page() {
        let mut w = PageWalker::new();
        assert!(w.accept(page(&["1"])).1);
        let (kept, more) = w.accept(page(&["1"]));
        assert!(kept.is_empty() && !more);
    }
}

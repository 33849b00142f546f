//! Rolling batches, the way Ansible's `serial` and `max_fail_percentage` work: `serial`
//! lists batch sizes (a count, or a share of all the step's hosts, at least one); the last
//! size repeats until every host is in a batch. `max_fail` ends the step after a batch
//! once more hosts failed than it allows.

use crate::doc::hosts::Amount;

/// The sizes of the batches `total` hosts run in; one batch of all without `serial`.
pub fn batches(total: usize, serial: &[Amount]) -> Vec<usize> {
    if total == 0 {
        return Vec::new();
    }
    let Some(last) = serial.last() else {
        return vec![total];
    };
    let size = |amount: &Amount| amount.of(total).max(1);
    let mut sizes = Vec::new();
    let mut left = total;
    let mut given = serial.iter();
    while left > 0 {
        let next = size(given.next().unwrap_or(last)).min(left);
        sizes.push(next);
        left -= next;
    }
    sizes
}

/// Whether `failed` of `total` hosts is more than `max_fail` allows (default: none).
pub fn too_many_failed(failed: usize, total: usize, max_fail: Option<Amount>) -> bool {
    match max_fail.unwrap_or(Amount::Count(0)) {
        Amount::Count(allowed) => failed > usize::try_from(allowed).unwrap_or(usize::MAX),
        Amount::Percent(allowed) => failed * 100 > total * usize::from(allowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canary_then_a_quarter_at_a_time() {
        let serial = [Amount::Count(1), Amount::Percent(25)];
        assert_eq!(batches(20, &serial), [1, 5, 5, 5, 4]);
        assert_eq!(batches(3, &serial), [1, 1, 1]);
        assert_eq!(batches(20, &[]), [20]);
        assert_eq!(batches(5, &[Amount::Count(2)]), [2, 2, 1]);
        assert_eq!(batches(4, &[Amount::Count(1), Amount::Count(2)]), [1, 2, 1]);
        assert!(batches(0, &serial).is_empty());
    }

    #[test]
    fn max_fail_allows_what_it_says_and_no_more() {
        assert!(!too_many_failed(0, 20, None));
        assert!(too_many_failed(1, 20, None));
        assert!(!too_many_failed(2, 20, Some(Amount::Count(2))));
        assert!(too_many_failed(3, 20, Some(Amount::Count(2))));
        assert!(!too_many_failed(5, 20, Some(Amount::Percent(25))));
        assert!(too_many_failed(6, 20, Some(Amount::Percent(25))));
        assert!(too_many_failed(1, 3, Some(Amount::Percent(25))));
    }

    proptest! {
        #[test]
        fn every_host_is_in_exactly_one_batch(
            total in 0usize..500,
            serial in proptest::collection::vec((1u32..50, 1u8..=100, any::<bool>()), 0..4),
        ) {
            let serial: Vec<Amount> = serial
                .into_iter()
                .map(|(n, p, count)| if count { Amount::Count(n) } else { Amount::Percent(p) })
                .collect();
            let sizes = batches(total, &serial);
            prop_assert_eq!(sizes.iter().sum::<usize>(), total);
            prop_assert!(sizes.iter().all(|s| *s >= 1));
            if let (Some(first), Some(size)) = (serial.first(), sizes.first()) {
                prop_assert_eq!(*size, first.of(total).max(1).min(total));
            }
        }
    }
}

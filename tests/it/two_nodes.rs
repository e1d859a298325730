//! Scale-out with real processes (issue 20, item 6): two `wstrust serve` processes on one
//! real `redis-server` (one data directory copied, so one set of keys) are one STS. 32
//! concurrent copies of one signed, timestamped message spread over both nodes get exactly
//! one token; a renewal on one node is what the other validates; a cancellation on one is
//! seen by the other; the lockout counters are shared.

use std::sync::{Arc, Barrier};

use wstrust::client::{Credentials, IssueRequest, IssuedToken, StsClient};
use wstrust::crypto::SecretBytes;

use crate::server_lockout::{append_config, issue_from, metric, FAMILIAR, SPRAYER, TRAVELLER};
use crate::server_support::{
    client_config, demo, fault_of, get, post_soap11, rst_signed_by_context, Binary, TempDir,
    ISSUE_SCT,
};
use crate::store_redis::{copy_dir, redis, serve, use_redis};

fn is_invalid(client: &StsClient, token: &IssuedToken) -> bool {
    match client.validate(token) {
        Ok(status) => !status.valid,
        Err(e) => e.to_string().contains("FailedAuthentication"),
    }
}

#[test]
fn two_nodes_on_one_redis_are_one_sts_for_replays_renewals_cancellations_and_lockouts() {
    let Some(redis) = redis() else { return };
    let tmp = TempDir::new("two-nodes");
    let (a_dir, b_dir) = (tmp.path().join("a"), tmp.path().join("b"));
    wstrust::config::datadir::init(&a_dir, "127.0.0.1:0").unwrap();
    append_config(
        &a_dir,
        "\n[lockout]\nthreshold = 3\nfamiliar_threshold = 50\nwindow_secs = 900\n",
    );
    copy_dir(&a_dir, &b_dir);
    use_redis(&a_dir, redis.1, "two");
    use_redis(&b_dir, redis.1, "two");
    let nodes: [Binary; 2] = [serve(&a_dir), serve(&b_dir)];
    let (user, password, applies_to) = demo(&a_dir);
    let client = |n: usize| {
        StsClient::new(
            &format!("http://{}/sts", nodes[n].addr),
            client_config(&a_dir),
        )
        .unwrap()
    };

    // A context issued by node 1 (from 127.0.0.1, which becomes the user's familiar address).
    let token = client(0)
        .issue(&IssueRequest::new(
            applies_to.clone(),
            Credentials::UsernamePassword {
                username: user.clone(),
                password: SecretBytes::from_slice(password.as_bytes()),
                digest: false,
            },
        ))
        .unwrap();
    let id = token.identifier.clone().unwrap();
    let key = token.proof_key.as_ref().unwrap().expose().to_vec();

    // 32 copies of one message signed with the context's key (Timestamp, MessageID, Body
    // signed), released at once, 16 to each node: exactly one token.
    let message = Arc::new(rst_signed_by_context(&id, &key, &applies_to));
    let gate = Arc::new(Barrier::new(32));
    let addrs = [nodes[0].addr, nodes[1].addr];
    // Every thread is spawned before any is joined: they meet at the barrier.
    #[allow(clippy::needless_collect)]
    let copies: Vec<_> = (0..32)
        .map(|i| {
            let (message, gate) = (Arc::clone(&message), Arc::clone(&gate));
            let addr = addrs[i % 2];
            std::thread::spawn(move || {
                gate.wait();
                post_soap11(addr, "/sts", ISSUE_SCT, &message)
            })
        })
        .collect();
    let answers: Vec<_> = copies.into_iter().map(|t| t.join().unwrap()).collect();
    let issued = answers.iter().filter(|r| r.status == 200).count();
    assert_eq!(issued, 1, "exactly one copy gets a token");
    let faults: Vec<_> = answers.iter().filter(|r| r.status != 200).collect();
    assert_eq!(faults.len(), 31);
    for f in &faults {
        assert_eq!(fault_of(f), "FailedAuthentication", "{}", f.text());
        assert_eq!(f.body, faults[0].body, "one generic fault");
    }
    let per_node: Vec<u64> = addrs
        .iter()
        .map(|a| metric(&get(*a, "/metrics").text(), "wstrust_replay_refusals_total"))
        .collect();
    let winner = addrs[answers.iter().position(|r| r.status == 200).unwrap() % 2];
    eprintln!(
        "two nodes: 32 copies (16 per node): {issued} token (from {winner}), {} faults; \
         replay refusals per node {per_node:?}",
        faults.len()
    );
    assert_eq!(
        per_node.iter().sum::<u64>(),
        31,
        "every refusal was for replay"
    );
    assert!(
        per_node.iter().all(|n| *n >= 15),
        "each node refused its copies: {per_node:?}"
    );

    // Renewed at node 1, validated at node 2; the superseded instance is refused there.
    let renewed = client(0).renew(&token).unwrap();
    assert!(client(1).validate(&renewed).unwrap().valid);
    assert!(
        is_invalid(&client(1), &token),
        "the old instance still works"
    );
    // Cancelled at node 1: invalid at node 2.
    client(0).cancel(&renewed).unwrap();
    assert!(
        is_invalid(&client(1), &renewed),
        "a cancellation was not shared"
    );

    // Lockout counters are shared: three wrong passwords spread over both nodes lock the
    // user out for unfamiliar sources on both; the familiar address still gets in on both.
    let wrong: Vec<_> = [0, 1, 0]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            issue_from(
                SPRAYER,
                addrs[*n],
                &user,
                &format!("guess-{i}"),
                &applies_to,
            )
        })
        .collect();
    for w in &wrong {
        assert_eq!(fault_of(w), "FailedAuthentication");
    }
    for addr in addrs {
        let r = issue_from(TRAVELLER, addr, &user, &password, &applies_to);
        assert_eq!(r.body, wrong[0].body, "not locked out on {addr}");
        let r = issue_from(FAMILIAR, addr, &user, &password, &applies_to);
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let lockouts: u64 = addrs
        .iter()
        .map(|a| metric(&get(*a, "/metrics").text(), "wstrust_lockouts_total"))
        .sum();
    assert!(lockouts >= 1);
}

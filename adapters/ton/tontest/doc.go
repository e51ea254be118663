// Package tontest is a fake TON chain for tests, the load test and the
// demo: one wallet whose history is made of real serialized transactions.
//
// Chain satisfies ton.Chain. Pay, Bounce, Aborted, Receive and Outgoing
// build a tlb.Transaction the way the network would record it (an internal
// message with a text comment, a credit phase, a compute phase, a bounce
// phase when the value goes back), serialize it with tonutils-go and read
// it back with the same decoder a liteserver's answer goes through, so its
// hash, logical time and link to the previous transaction are real and
// consistent. Replay does the same with transactions taken from a real
// block (ton.LoadBlockTransactions), rewriting only where they sit.
//
// Faults are injected by FailNext (the next n requests fail), SetFault (a
// function that decides per request), SetDelay, SetPageLimit (short pages,
// as real liteservers give) and SetLag (a liteserver a few blocks behind).
//
// Notify sends our wallet a jetton transfer_notification from any address
// (our jetton wallet for a genuine USDT payment, another for a forged one),
// and JettonMaster answers get_wallet_address as a jetton master would.
package tontest

// Package actors is Allot's in-memory engine: every number, wallet and
// register is an entity whose changes are serialized by one protoactor actor,
// so the domain needs no locks, and every change is journaled before anyone
// hears of it.
//
// Shape of the engine:
//
//   - The directory addresses an entity by kind and id. It keeps every
//     entity's state in memory and spawns an actor for an entity only while
//     the entity is in use (activation on first message, passivation after
//     IdleTimeout), in the style of virtual actors: a million idle entities
//     cost memory, not goroutines or spawn time. Cluster grains can replace it
//     later because nothing else knows where an actor lives.
//   - An entity actor decides a command with the domain, appends the events
//     to the journal, applies them, and moves on; its reply is released only
//     when the journal reports the events durable. It never waits on I/O.
//   - Operations across entities (rent from the balance, renew, deposit) are
//     sagas: messages passed from actor to actor, each step durable and keyed
//     by the operation id, so recovery can resume or compensate any saga a
//     crash cut short. A purchase's last step, the wallet completing the
//     entry, waits to ride in the wallet's next record (completions.go).
//   - Actors run on a pool of long-lived workers (dispatcher.go) through
//     mailboxes of our own (mailbox.go), which the directory's entries hold:
//     a message is posted straight into the mailbox, and an actor that a turn
//     wakes runs after that turn on the same worker, so a saga's steps follow
//     one another without a goroutine wake-up between them.
//   - One scheduler (a heap, one timer) wakes numbers for reservation and
//     offer lapses, reminders and expiries.
//   - Snapshots are fuzzy: entities are copied one at a time while work goes
//     on, each carrying the sequence of its last event, and recovery replays a
//     journal record only onto entities that have not seen it.
//   - On a store that loads one entity (EntityStore: PostgreSQL) the kinds
//     that grow with the users (wallets) are lazy (lazy.go): an entity's
//     state stays in the store until a message needs it, and its actor's
//     first turn loads it (the one place an actor waits on I/O). Each
//     snapshot stores the own snapshot of every such entity that changed and
//     leaves it out of the whole-state snapshot, unless recovery must find it
//     in memory (a purchase in progress); the sweep sends clean idle ones
//     back to the store. On files every entity stays in memory.
package actors

package redisstore

import (
	"strconv"
)

// Partitions. On one Redis (or Sentinel) the store has one partition and
// its keys carry no tag: the layout is the one the store always had. On
// Redis Cluster the subscribers are cut into ClusterPartitions partitions
// by their address, and each partition's keys carry a hash tag of its
// own ("nl:{p17}:sub:<id>"), so that
//
//   - every script touches the keys of one partition only (one slot), and
//     stays atomic there;
//   - the partitions, and with them the subscribers, their jobs and their
//     sends, spread evenly over the masters: the tags are picked so that
//     their slots lie evenly over the 16384 slots, which a cluster made by
//     `redis-cli --cluster create` splits into equal ranges.
//
// What belongs to no subscriber (letters, drafts, sessions, the sending
// state, sequences' settings) lives under the global tag "{g}". A few
// partition keys mirror a global state that a partition's script must
// read atomically: the sending state ("sending": st), the paused
// sequences ("seq:paused") and each letter's shadow ("letter:<id>": its
// status when held or cancelled, and the partition's own counts). On one
// Redis a partition key and the global key of the same name are the same
// key, so a mirror costs nothing there and is never written twice.
//
// A subscriber's id names its partition (idPartition), and so do its
// address (emailPartition): newIDIn makes ids that agree.

// ClusterPartitions is how many partitions the subscribers are cut into
// on Redis Cluster: 12 spread evenly over 1, 2, 3, 4 or 6 masters.
const ClusterPartitions = 12

// globalTag is the hash tag of the keys of no partition on a cluster.
const globalTag = "{g}:"

// partitionTags are the hash tags of the partitions on a cluster,
// "{p<k>}:" with k picked so that partition i's slot lies in the i-th
// twelfth of the slots.
var partitionTags = func() []string {
	tags := make([]string, ClusterPartitions)
	for i := range tags {
		lo, hi := i*16384/ClusterPartitions, (i+1)*16384/ClusterPartitions
		for k := 0; ; k++ {
			t := "p" + strconv.Itoa(k)
			if slot := int(crc16(t) % 16384); slot >= lo && slot < hi {
				tags[i] = "{" + t + "}:"
				break
			}
		}
	}
	return tags
}()

// crc16 is CRC-16/XMODEM, Redis Cluster's key hash.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// sharded reports whether the store runs on Redis Cluster with
// partitions.
func (s *Store) sharded() bool { return len(s.parts) > 1 }

// partitions is how many partitions there are: 1 on one Redis.
func (s *Store) partitions() int { return len(s.parts) }

// pkey is the key of parts in partition p.
func (s *Store) pkey(p int, parts ...string) string {
	k := s.prefix + s.parts[p]
	for i, x := range parts {
		if i > 0 {
			k += ":"
		}
		k += x
	}
	return k
}

// emailPartition is the partition of a normalized address: its index
// bucket (EmailBucket) modulo the partitions.
func (s *Store) emailPartition(email string) int {
	if len(s.parts) == 1 {
		return 0
	}
	return int(fnv16(email)) % len(s.parts)
}

// idPartition is the partition a subscriber id belongs to: its first byte
// modulo the partitions (see newIDIn).
func (s *Store) idPartition(id string) int {
	if len(s.parts) == 1 || len(id) < 2 {
		return 0
	}
	b, err := strconv.ParseUint(id[:2], 16, 8)
	if err != nil {
		return 0
	}
	return int(b) % len(s.parts)
}

// newIDIn makes a subscriber id of partition p: a random id whose first
// byte is p plus a random multiple of the partitions.
func (s *Store) newIDIn(p int) string {
	id := newID()
	if len(s.parts) == 1 {
		return id
	}
	b, _ := strconv.ParseUint(id[:2], 16, 8)
	n := len(s.parts)
	first := p + int(b)%(256/n)*n
	return strconv.FormatUint(uint64(first)|0x100, 16)[1:] + id[2:]
}

// jobPartition is the partition whose queue holds j: its subscriber's,
// or -1 (the global queue) for a letter's fan-out.
func (s *Store) jobPartition(subscriber string) int {
	if subscriber == "" {
		return -1
	}
	return s.idPartition(subscriber)
}

// qkey is a queue key (urgent, queue, attempts) of partition p, or the
// global one for p = -1 (the same key on one Redis).
func (s *Store) qkey(p int, name string) string {
	if p < 0 {
		return s.key(name)
	}
	return s.pkey(p, name)
}

// queueParts are the partitions whose queues workers claim from: every
// partition, and on a cluster the global queue (-1) of the fan-outs.
func (s *Store) queueParts() []int {
	ps := make([]int, 0, len(s.parts)+1)
	for p := range s.parts {
		ps = append(ps, p)
	}
	if s.sharded() {
		ps = append(ps, -1)
	}
	return ps
}

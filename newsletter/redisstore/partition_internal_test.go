package redisstore

import (
	"fmt"
	"testing"
)

// TestPartitionTags: partition i's hash tag lies in the i-th twelfth of
// the slots (so equal slot ranges get equal shares), the CRC matches
// Redis's own (slot of "foo" is 12182, CLUSTER KEYSLOT's answer), and ids
// made for a partition name it, as addresses do.
func TestPartitionTags(t *testing.T) {
	if got := crc16("foo") % 16384; got != 12182 {
		t.Fatalf("slot of foo = %d, want 12182", got)
	}
	seen := map[string]bool{}
	for i, tag := range partitionTags {
		inner := tag[1 : len(tag)-2] // "{p7}:" -> "p7"
		slot := int(crc16(inner) % 16384)
		if lo, hi := i*16384/ClusterPartitions, (i+1)*16384/ClusterPartitions; slot < lo || slot >= hi {
			t.Errorf("tag %s: slot %d outside [%d, %d)", tag, slot, lo, hi)
		}
		if seen[tag] {
			t.Errorf("tag %s twice", tag)
		}
		seen[tag] = true
	}
	s := &Store{prefix: "nl:", tag: globalTag, parts: partitionTags}
	counts := make([]int, ClusterPartitions)
	for i := range 1200 {
		email := fmt.Sprintf("reader%d@example.org", i)
		p := s.emailPartition(email)
		id := s.newIDIn(p)
		if s.idPartition(id) != p || len(id) != 16 {
			t.Fatalf("id %q for partition %d names partition %d", id, p, s.idPartition(id))
		}
		if s.subKey(id) != "nl:"+partitionTags[p]+"sub:"+id || s.emailKey(email)[:len("nl:"+partitionTags[p])] != "nl:"+partitionTags[p] {
			t.Fatalf("keys of %s: %s, %s, want partition %s", email, s.subKey(id), s.emailKey(email), partitionTags[p])
		}
		counts[p]++
	}
	for p, n := range counts {
		if n < 60 || n > 140 {
			t.Errorf("partition %d holds %d of 1200 addresses (%v), want about 100", p, n, counts)
		}
	}
	one := &Store{prefix: "nl:", parts: []string{""}}
	if one.subKey("abc") != "nl:sub:abc" || one.pkey(0, "queue") != one.key("queue") {
		t.Errorf("on one Redis the layout moved: %s, %s", one.subKey("abc"), one.pkey(0, "queue"))
	}
}

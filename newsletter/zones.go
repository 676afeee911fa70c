package newsletter

import (
	"sync"
	"time"
)

// zones caches time.LoadLocation, which reads and parses the zone's file
// each time: about a fifth of a signup's CPU, and once per drip step.
// Zone names come from browsers, so the cache only keeps names that load
// and stops growing at maxZones (the IANA database has about 600).
var zones sync.Map // name -> *time.Location

const maxZones = 1024

var zoneCount struct {
	sync.Mutex
	n int
}

// loadLocation is time.LoadLocation, cached.
func loadLocation(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zoneCount.Lock()
	if zoneCount.n < maxZones {
		if _, loaded := zones.LoadOrStore(name, loc); !loaded {
			zoneCount.n++
		}
	}
	zoneCount.Unlock()
	return loc, nil
}

// ValidTZ returns tz when it names a known IANA zone, and "" otherwise.
func ValidTZ(tz string) string {
	if tz == "" || tz == "Local" || len(tz) > 64 {
		return ""
	}
	if _, err := loadLocation(tz); err != nil {
		return ""
	}
	return tz
}

package newsletter

import "time"

// Image is a picture the author uploaded for her letters, kept by the
// service and served at a stable address.
type Image struct {
	ID            string // names its bytes: the same bytes, the same id
	Type          string // image/png or image/jpeg
	Width, Height int    // in pixels
	Alt           string // the text that stands for it
	At            time.Time
	Data          []byte // nil in listings
}

// Ext is the file extension of its type: ".png" or ".jpg".
func (im *Image) Ext() string {
	if im.Type == "image/png" {
		return ".png"
	}
	return ".jpg"
}

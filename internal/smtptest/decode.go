package smtptest

import "mime"

type mimeDecoder = mime.WordDecoder

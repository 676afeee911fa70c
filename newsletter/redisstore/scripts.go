package redisstore

import (
	"embed"

	"github.com/redis/go-redis/v9"
)

//go:embed scripts/*.lua
var scriptFiles embed.FS

func loadScript(name string) *redis.Script {
	src, err := scriptFiles.ReadFile("scripts/" + name + ".lua")
	if err != nil {
		panic("redisstore: missing script " + name) // caught by every test run
	}
	return redis.NewScript(string(src))
}

// The named scripts; each file documents its keys, arguments and result.
var (
	scriptCreate  = loadScript("create")
	scriptClaim   = loadScript("claim")
	scriptConfirm = loadScript("confirm")
	scriptResend  = loadScript("resend")
	scriptRecord  = loadScript("record")
	scriptReplan  = loadScript("replan")
	scriptPage    = loadScript("page")
	scriptUpgrade = loadScript("upgrade")
	scriptErase   = loadScript("erase")
	scriptPause   = loadScript("pause")
	scriptExtend  = loadScript("extend")
	scriptRate    = loadScript("rate")
)

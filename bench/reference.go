package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
)

// The reference signup: a Fiber handler that parses the JSON body,
// validates it with the same rules as ours and writes one pipelined
// HSET+ZADD to the same Redis. No rate limit, no duplicate check, no
// queue: the least a signup can do. It runs as its own process (this
// program with the argument "refserver"), like ours.

type refInput struct {
	Email   string `json:"email" validate:"required,max=254,email"`
	Name    string `json:"name" validate:"max=100"`
	Consent bool   `json:"consent" validate:"required"`
	TZ      string `json:"tz" validate:"max=64"`
}

func refServerMain(args []string) int {
	fs := flag.NewFlagSet("refserver", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	redisURL := fs.String("redis", "redis://127.0.0.1:6379/0", "Redis URL")
	prefix := fs.String("prefix", "benchref:", "key prefix")
	_ = fs.Parse(args)

	opt, err := redis.ParseURL(*redisURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	v := validator.New(validator.WithRequiredStructEnabled())
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Post("/subscribe", func(c *fiber.Ctx) error {
		var in refInput
		if err := json.Unmarshal(c.Body(), &in); err != nil {
			return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": "bad json"})
		}
		if err := v.Struct(&in); err != nil {
			return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": err.Error()})
		}
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		now := strconv.FormatInt(time.Now().UnixMilli(), 10)
		ctx := c.UserContext()
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, *prefix+"sub:"+id, "e", in.Email, "n", in.Name, "s", "pending", "t", in.TZ, "c", now)
			p.ZAdd(ctx, *prefix+"subs", redis.Z{Score: float64(time.Now().UnixMilli()), Member: id})
			return nil
		})
		if err != nil {
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"error": "redis"})
		}
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "pending"})
	})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = app.ShutdownWithTimeout(5 * time.Second)
	}()
	if err := app.Listen(*addr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

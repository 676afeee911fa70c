package testkit

// SampleLetter is a letter of a typical length (about 2.5 KB of Markdown)
// using the variables a letter may use, for benchmarks.
const SampleLetter = `Dear Fellow Humans{{ if .FirstName }}, and {{ .FirstName }}{{ end }},

This week I want to write about **rest**: not the kind we earn, but the kind we allow. Many of you
wrote back after the last letter, and one question came up again and again: *what do I do in the
days after a session, when everything feels both very open and very tired?*

## Three small practices

1. **Keep the morning slow.** Before the phone, before the news, sit for five minutes with a cup of
   something warm. Notice what the body says. You don't have to answer it yet.
2. **Write one page.** Not a journal entry that has to be good: one page, by hand, of whatever is
   there. The [integration guide]({{ .DownloadURL }}) has prompts if the page stays empty.
3. **Walk without a destination.** Twenty minutes, no podcast. Let the walk be the point.

> "Integration is not a task to finish. It is the slow work of letting what you saw become the way
> you live." — a reader, quoted with permission

## What the research says

A growing body of work (see the overview at https://example.org/research/integration) suggests that
the weeks after a session matter as much as the session itself. The themes that come up most:
social support, a regular rhythm of sleep and meals, and somewhere to put what comes up — a
therapist, a group, a notebook.

I know that not everyone has all of these. If you have none of them right now, start with one.
Reply to this letter and tell me which one you picked; I read every reply, even when I can't answer
them all.

## A note on safety

If what comes up is too much to hold, please reach out to someone today. You are not a burden.

- Your own therapist or prescriber
- A crisis line (see the footer of this letter)
- A friend who can simply sit with you

Until next week, with warmth,

Satina

---

You are reading this because you asked for the guide at {{ .Email }}. Your data, and what I keep of
it, is at {{ .MeURL }}; to stop these letters, [unsubscribe]({{ .UnsubscribeURL }}).
`

"""Web Push: VAPID keys, devices' subscriptions and preferences, the notification outbox
(written in the transaction of the event that causes it), the sender and the scheduler jobs.
Payloads are built from the notification type alone, so they never carry personal data."""

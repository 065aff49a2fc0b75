"""Web Push: subscriptions per access token, VAPID, message encryption and delivery jobs."""

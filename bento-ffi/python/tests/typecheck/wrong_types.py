import bento
client = bento.BentoClient.from_env()
client.track(bento.Event(event_type="x", email="a@example.com", details_json={"url": "/"}))
client.list_broadcasts(status="snet")

"""Work orders: listing, detail, editing, lifecycle (release to sign-off), bulk, activity."""

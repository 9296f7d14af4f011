"""The read side: filter language, SQL guard, secure rewrite and governed execution."""

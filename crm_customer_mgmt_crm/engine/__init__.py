"""Pure logic of the opportunity signals: no ORM, tested without a database."""

"""One eval run: attempts scored, metrics summarised, the gate's verdict, stored runs."""

"""Work Orders and My Work: the list, its table model and filters, the work-order form."""

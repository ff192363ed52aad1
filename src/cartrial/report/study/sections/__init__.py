"""One module per report section; each turns :class:`StudyData` into a :class:`Section`."""

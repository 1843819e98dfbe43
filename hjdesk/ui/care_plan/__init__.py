"""Parts of the Care plans page: the list, the editor with its CAREMAP grid, and the dialogs."""

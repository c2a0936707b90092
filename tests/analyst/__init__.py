"""An analyst's notebook against the sandbox: frames, history and plots."""

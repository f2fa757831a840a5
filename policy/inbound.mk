# policy/ inbound: verdict rules, Authentication-Results and verdict headers.

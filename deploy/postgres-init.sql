-- One database per service: no service reads another's tables.
CREATE DATABASE connection;
CREATE DATABASE drawing;
CREATE DATABASE notification;
